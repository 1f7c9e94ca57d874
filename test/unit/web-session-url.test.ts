// The playground's URL rule: this server's labs get ?session= so the page finds its connection;
// another server's URL is opened exactly as typed.
import { describe, expect, it } from 'vitest';
import { isOwnServer, labUrl } from '../../web/src/ws/session.ts';

const ORIGIN = 'http://127.0.0.1:8080';

describe('labUrl', () => {
  it('adds the session id to a path on this server', () => {
    expect(labUrl('/lab/echo', ORIGIN, 'pg-1')).toEqual({ url: 'ws://127.0.0.1:8080/lab/echo?session=pg-1', session: 'pg-1', own: true });
  });

  it('keeps a session id the learner set, and treats localhost on the same port as this server', () => {
    expect(labUrl('ws://localhost:8080/lab/echo?session=mine', ORIGIN, 'pg-1')).toEqual({ url: 'ws://localhost:8080/lab/echo?session=mine', session: 'mine', own: true });
  });

  it('never changes a URL on another server, and says it is not this one', () => {
    expect(labUrl('ws://localhost:3000', ORIGIN, 'pg-1')).toEqual({ url: 'ws://localhost:3000', session: null, own: false });
    expect(labUrl('wss://echo.example.org/socket?x=1', ORIGIN, 'pg-1')).toEqual({ url: 'wss://echo.example.org/socket?x=1', session: null, own: false });
  });

  it('still refuses what is not a WebSocket URL', () => {
    expect(labUrl('ftp://x/', ORIGIN, 'pg-1')).toEqual({ error: 'a WebSocket URL starts with ws:// or wss://, not ftp://' });
  });
});

describe('isOwnServer', () => {
  it('matches the same host and port, or any loopback name on the same port when the server is on loopback', () => {
    expect(isOwnServer(new URL('ws://127.0.0.1:8080/lab/echo'), ORIGIN)).toBe(true);
    expect(isOwnServer(new URL('ws://[::1]:8080/'), ORIGIN)).toBe(true);
    expect(isOwnServer(new URL('ws://127.0.0.1:8081/'), ORIGIN)).toBe(false);
    expect(isOwnServer(new URL('ws://192.168.1.5:8080/'), ORIGIN)).toBe(false);
    expect(isOwnServer(new URL('wss://lab.example:443/'), 'https://lab.example')).toBe(true);
  });
});
