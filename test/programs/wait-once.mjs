// Brings the device up, says so, and parks in a blocking wait for one interrupt: the vector it
// took (-1 if none came within timeoutMs, -2 if the host stopped it). Plain JavaScript, so that a
// Node worker starts it without a TypeScript loader (the 256-VM test starts 256 of them).
export default async function main(vm, arg = {}) {
  vm.bringUp();
  vm.log('ready');
  return vm.wait({ mode: 'block', timeoutMs: arg.timeoutMs ?? 120_000 });
}
