import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { graphqlWs } from '../../../server/core/decoders/graphql-ws.ts';
import { jsonRpc } from '../../../server/core/decoders/jsonrpc.ts';
import { fields, text } from './helpers.ts';

describe('graphql-transport-ws decoder', () => {
  it('reads subscribe, next, complete and the connection messages', () => {
    const d = graphqlWs.create();
    expect(fields(d(text('{"type":"connection_init","payload":{"token":"t"}}')))).toEqual({ 'gql.type': 'connection_init', 'gql.payload': '{"token":"t"}' });
    const s = d(text('{"id":"a1","type":"subscribe","payload":{"query":"subscription Greet {\\n  greetings\\n}","operationName":"Greet","variables":{"n":1}}}'));
    expect(s.items[0].summary).toBe('subscribe a1 subscription Greet { greetings }');
    expect(fields(s)).toEqual({ 'gql.type': 'subscribe', 'gql.id': 'a1', 'gql.operationName': 'Greet', 'gql.query': 'subscription Greet { greetings }', 'gql.variables': '{"n":1}' });
    expect(fields(d(text('{"id":"a1","type":"next","payload":{"data":{"greetings":"Hi"}}}', 's2c')))).toEqual({ 'gql.type': 'next', 'gql.id': 'a1', 'gql.data': '{"greetings":"Hi"}' });
    expect(d(text('{"id":"a1","type":"complete"}', 's2c')).items[0].summary).toBe('complete a1');
  });

  it('says what is malformed, and reads a cut message as far as it goes', () => {
    const d = graphqlWs.create();
    expect(d(text('{"type":"start","id":"1"}')).items[0].malformed).toBe('"start" is not a message type of graphql-transport-ws.');
    expect(d(text('{"type":"next"}')).items[0].malformed).toBe('A "next" message must carry the operation\'s "id", a string.');
    expect(d(text('[1]')).items[0].malformed).toBe('A graphql-transport-ws message is a JSON object with a "type".');
    const cut = d(text('{"id":"b2","type":"subscribe","payload":{"query":"subscription { greetings }"}}', 'c2s', 62));
    expect(cut.items[0]).toEqual({ summary: 'subscribe b2 subscription', fields: [['gql.type', 'subscribe'], ['gql.id', 'b2'], ['gql.query', 'subscription']], cut: true });
  });
});

describe('JSON-RPC 2.0 decoder', () => {
  it('reads requests, notifications, results and errors, naming the method of a response by its id', () => {
    const d = jsonRpc.create();
    const r = d(text('{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}'));
    expect(r.items[0].summary).toBe('subtract([42,23]) #1');
    expect(fields(r)).toEqual({ 'rpc.kind': 'request', 'rpc.method': 'subtract', 'rpc.id': '1', 'rpc.params': '[42,23]' });
    expect(fields(d(text('{"jsonrpc":"2.0","result":19,"id":1}', 's2c')))).toEqual({ 'rpc.kind': 'response', 'rpc.id': '1', 'rpc.method': 'subtract', 'rpc.result': '19' });
    expect(fields(d(text('{"jsonrpc":"2.0","method":"update","params":[1]}')))).toEqual({ 'rpc.kind': 'notification', 'rpc.method': 'update', 'rpc.params': '[1]' });
    expect(fields(d(text('{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":"x"}', 's2c')))).toEqual({ 'rpc.kind': 'error', 'rpc.id': 'x', 'rpc.error.code': '-32601', 'rpc.error.message': 'Method not found' });
    expect(d(text('[{"jsonrpc":"2.0","method":"a","id":2},{"jsonrpc":"2.0","method":"b"}]')).items.map((i) => i.summary)).toEqual(['a() #2', 'b()']);
  });

  it('says what is malformed', () => {
    const d = jsonRpc.create();
    expect(d(text('{"method":"a","id":1}')).items[0].malformed).toBe('A JSON-RPC 2.0 message must have "jsonrpc": "2.0".');
    expect(d(text('[]')).items[0].malformed).toBe('An empty batch is not a valid JSON-RPC 2.0 message.');
    expect(d(text('{"jsonrpc":"2.0"}')).items[0].malformed).toBe('A JSON-RPC 2.0 object has a "method" (a call) or a "result" or "error" (a response).');
    expect(d(text('{"jsonrpc":')).items[0].malformed).toBe('The JSON text ends before its value does.');
  });

  it('the JSON decoders never throw on arbitrary text, whole or cut', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), fc.nat(80), fc.boolean(), (s, keep, cut) => {
        expect(jsonRpc.create()(text(s, 'c2s', cut ? keep : undefined)).items.length).toBeGreaterThan(0);
        expect(graphqlWs.create()(text(s, 'c2s', cut ? keep : undefined)).items.length).toBe(1);
      }),
      { numRuns: 500 },
    );
  });
});
