// The event stream's version and preview sizes, apart from the schema so that readers which only
// need these (the stream worker's record renderer) do not load the validation library.

export const EVENT_SCHEMA_VERSION = 1;

/** Payload bytes a frame event previews (payloadHex, text); payloadLength is always the full size. */
export const FRAME_PREVIEW_BYTES = 64;
/** Bytes of an assembled message (or inflated text) a message event previews. */
export const MESSAGE_PREVIEW_BYTES = 256;
