// The first step of realizing a device: from a -device string to a plan, with no side effect.
// The model is found by its driver name, the id checked, the properties parsed by the model (each
// link looked up as QEMU sets it, so errors come in QEMU's order), and the model resolves what the
// device needs on the machine it goes on. Only then is anything taken (src/realize/acquire.ts).
import { QemuError } from '../errors.ts';
import type { HostMachine, MachineContext } from '../machine/machine.ts';
import type { AnyModel, DevicePlan, ModelRegistry, PropertyRefs, ResolveContext, SpecBase } from '../device/model.ts';
import { checkId, parseOptionString } from '../options/option-string.ts';

export interface Planned {
  model: AnyModel;
  spec: SpecBase;
  plan: DevicePlan;
}

function refsOn(machine: HostMachine, target: MachineContext): PropertyRefs {
  return {
    bus(name) {
      if (!target.topology.hasBus(name)) throw new QemuError(`Bus '${name}' not found`);
    },
    memdev(id) {
      if (!machine.objects.has(id)) throw new QemuError(`Device '${id}' not found`);
    },
    memdevFree(id) {
      if (machine.objects.get(id)?.mappedBy) throw new QemuError(`can't use already busy memdev: ${id}`);
    },
    chardev(model, id) {
      if (!machine.findServer(id)) throw new QemuError(`Property '${model}.chardev' can't find value '${id}'`);
    },
  };
}

function contextOn(machine: HostMachine, target: MachineContext): ResolveContext {
  return {
    topology: target.topology,
    objects: machine.objects,
    files: machine.files,
    findServer: (name) => machine.findServer(name),
    sdmSocket: (name) => machine.sdmSockets.get(name),
    findDevice: (id) => machine.findDevice(id),
    maxPeers: machine.maxPeers,
  };
}

/** Parses and resolves `text` for a device on `target` (the host's machine, or a VM's own) with one of `models`. */
export function planDevice(machine: HostMachine, models: ModelRegistry, text: string, target: MachineContext): Planned {
  const { driver, props } = parseOptionString(typeof text === 'string' ? models.expand(text) : text, 'device');
  const model = models.find(driver);
  if (!model) throw new QemuError(`'${driver}' is not a valid device model name`);
  const id = props.get('id');
  if (id !== undefined) {
    checkId(id);
    // QemuOpts reports a duplicate id before anything else
    if (target.deviceIds.has(id)) throw new QemuError(`Duplicate ID '${id}' for device`);
  }
  const spec = model.parse(props, refsOn(machine, target));
  return { model, spec, plan: model.resolve(spec, contextOn(machine, target)) };
}
