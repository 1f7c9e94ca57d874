// JSON text of events, fast. The tap publishes a frame and a message event for every frame that
// crosses a lab socket, so their serialization is on the hot path: these two types are written
// field by field (numbers, booleans and hex need no escaping; only free text goes through
// JSON.stringify). Every other type uses JSON.stringify. The output parses to exactly the same
// object JSON.stringify would give; test/unit/events-serialize.test.ts checks that.
import type { EventOf, WslabEvent } from './schema.ts';

type Stamped = { v: number; seq: number; t: number };

const str = JSON.stringify;
const nstr = (s: string | null): string => (s === null ? 'null' : JSON.stringify(s));

/** field record → JSON, cached per record object (the tap shares one record per header layout) */
const fieldsJson = new WeakMap<object, string>();

function fields(record: Record<string, [number, number, number]>): string {
  let json = fieldsJson.get(record);
  if (json === undefined) {
    json = JSON.stringify(record);
    fieldsJson.set(record, json);
  }
  return json;
}

function frame(e: EventOf<'frame'> & Stamped): string {
  return (
    `{"v":${e.v},"seq":${e.seq},"t":${e.t},"type":"frame","conn":${str(e.conn)},"dir":"${e.dir}","offset":${e.offset}` +
    `,"fin":${e.fin},"rsv1":${e.rsv1},"rsv2":${e.rsv2},"rsv3":${e.rsv3},"opcode":${e.opcode},"opcodeName":${str(e.opcodeName)}` +
    `,"masked":${e.masked},"maskingKey":${nstr(e.maskingKey)},"payloadLength":${e.payloadLength},"headerLength":${e.headerLength}` +
    `,"headerHex":${str(e.headerHex)},"fields":${fields(e.fields)},"payloadHex":${str(e.payloadHex)},"truncated":${e.truncated}` +
    `,"text":${nstr(e.text)},"closeCode":${e.closeCode},"closeReason":${nstr(e.closeReason)},"inflated":${nstr(e.inflated)}}`
  );
}

function message(e: EventOf<'message'> & Stamped): string {
  return (
    `{"v":${e.v},"seq":${e.seq},"t":${e.t},"type":"message","conn":${str(e.conn)},"dir":"${e.dir}","opcode":${e.opcode}` +
    `,"opcodeName":${str(e.opcodeName)},"length":${e.length},"wireLength":${e.wireLength},"frames":${e.frames}` +
    `,"compressed":${e.compressed},"text":${nstr(e.text)},"previewHex":${str(e.previewHex)},"truncated":${e.truncated}}`
  );
}

/** The event's JSON text: v, seq and t first, then the event's own fields. */
export function serializeEvent(e: WslabEvent): string {
  if (e.type === 'frame') return frame(e);
  if (e.type === 'message') return message(e);
  return JSON.stringify(e);
}
