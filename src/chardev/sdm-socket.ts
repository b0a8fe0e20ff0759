// An SDM socket chardev (`host.addSdmSocket`): a relay's URL, a room and its token, which a
// virtio-sdm device's chardev= names to reach its group across hosts through the SDM relay.
import { QemuError } from '../errors.ts';
import { ROOM_NAME } from '../relay/protocol.ts';

/** `host.addSdmSocket(...)`: a chardev naming a relay and a room, for virtio-sdm's chardev=. */
export interface SdmSocketOptions {
  /** The chardev's id, which a virtio-sdm device's chardev= names. */
  id: string;
  /** ws://HOST:PORT (the CLI relay) or ws://HOST:PORT/sdm-relay (the dev server's) */
  url: string;
  /**
   * Other relays of the same cluster (`sdm-relay --broker`): when the relay is lost the device
   * tries them in turn, then `url` again, and keeps its id on whichever takes it back.
   */
  fallback?: string[];
  /** The relay's room: the devices of one group join the same room. */
  room: string;
  /** The room's token, which every member must present. */
  token: string;
}

export function checkSdmSocket(options: SdmSocketOptions): SdmSocketOptions & { fallback: string[] } {
  const relayUrl = (text: unknown): string => {
    let url: URL;
    try {
      url = new URL(text as string);
    } catch {
      throw new QemuError(`SDM socket '${options?.id}': '${text}' is not a URL`);
    }
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new QemuError(`SDM socket '${options.id}': the relay's URL must be ws:// or wss://`);
    return url.href;
  };
  const url = relayUrl(options?.url);
  if (options.fallback !== undefined && !Array.isArray(options.fallback)) throw new QemuError(`SDM socket '${options.id}': fallback is a list of relay URLs`);
  const fallback = (options.fallback ?? []).map(relayUrl);
  if (typeof options.room !== 'string' || !ROOM_NAME.test(options.room)) throw new QemuError(`SDM socket '${options.id}': a room name is 1 to 64 of A-Z a-z 0-9 . _ -`);
  if (typeof options.token !== 'string' || options.token.length === 0 || options.token.length > 256) throw new QemuError(`SDM socket '${options.id}': a token is 1 to 256 characters`);
  return { id: options.id, url, fallback, room: options.room, token: options.token };
}
