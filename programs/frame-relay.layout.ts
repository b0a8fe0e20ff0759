// The frame relay's shared memory, as Looking Glass lays out its own (a header, then frame
// buffers), drawn here once:
//
//   0x000  header: magic 'FRLY', width, height, frames produced, buffer of the last frame,
//          frames taken by the consumer, the consumer's ID + 1, the producer's ID + 1 (0: not there)
//   0x1000 buffer 0: width x height RGBA
//   0x1000 + width * height * 4: buffer 1
//
// The producer renders frame N into buffer N % 2, writes the header, rings the consumer; the
// consumer takes it (writes "taken" = N) and rings back, which frees the other buffer.
export const MAGIC = 0x594c5246; // 'FRLY'
export const H_MAGIC = 0x00;
export const H_WIDTH = 0x04;
export const H_HEIGHT = 0x08;
export const H_PRODUCED = 0x0c;
export const H_BUFFER = 0x10;
export const H_TAKEN = 0x14;
export const H_CONSUMER = 0x18;
export const H_PRODUCER = 0x1c;
export const BUFFERS_AT = 0x1000;

export function bufferOffset(index: number, width: number, height: number): number {
  return BUFFERS_AT + index * width * height * 4;
}
