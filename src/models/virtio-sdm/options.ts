// `-device virtio-sdm,...`: the properties of the Signal Distribution Module, checked as QEMU's
// realize functions check theirs, with QEMU's wording where QEMU has words for it.
//   master=on|off        a master (id 0) or a slave (default off)
//   max_slaves=N         a master's initial max_slaves, 0..SDM_SLAVES_MAX (default 4); its driver may change it
//   chardev=ID           a slave: the master device's id (the local channel) or an SDM socket
//                        chardev (host.addSdmSocket); a master: an SDM socket chardev, if any
import { QemuError } from '../../errors.ts';
import { parseBool, parseUint32 } from '../../options/option-string.ts';
import { SDM_SLAVES_MAX } from '../../../assembly/layout.ts';
import type { SpecBase } from '../../device/model.ts';

const PROPERTIES = ['id', 'master', 'max_slaves', 'chardev'];
const DEFAULT_MAX_SLAVES = 4;

export interface SdmSpec extends SpecBase {
  model: 'virtio-sdm';
  master: boolean;
  /** a master's initial max_slaves; 0 for a slave */
  maxSlaves: number;
  chardev?: string;
}

export function parseSdmSpec(props: Map<string, string>): SdmSpec {
  for (const key of props.keys()) {
    if (!PROPERTIES.includes(key)) throw new QemuError(`Property 'virtio-sdm.${key}' not found`);
  }
  const master = parseBool('master', props.get('master') ?? 'off');
  const maxText = props.get('max_slaves');
  let maxSlaves = DEFAULT_MAX_SLAVES;
  if (maxText !== undefined) {
    if (!master) throw new QemuError("Property 'virtio-sdm.max_slaves' is only for a master (master=on)");
    maxSlaves = parseUint32('max_slaves', maxText);
    if (maxSlaves > 0xffff) throw new QemuError("Parameter 'max_slaves' expects uint16_t");
    if (maxSlaves > SDM_SLAVES_MAX) throw new QemuError(`virtio-sdm: max_slaves ${maxSlaves} is above the limit of ${SDM_SLAVES_MAX}`);
  }
  const chardev = props.get('chardev') || undefined;
  if (!master && chardev === undefined) throw new QemuError("You must specify a 'chardev'");
  return { model: 'virtio-sdm', id: props.get('id'), master, maxSlaves: master ? maxSlaves : 0, chardev };
}
