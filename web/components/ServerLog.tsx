// The ivshmem-server's log: every message on the wire and what it means to its receiver.
import type { Workbench } from '../app/workbench.ts';

export function ServerLog({ wb }: { wb: Workbench }) {
  wb.frame.value;
  const log = wb.server?.log ?? [];
  const text = log.slice(-200).map((e) => (e.meaning ? `${e.text.padEnd(34)} ${e.meaning}` : e.text)).join('\n');
  return (
    <section class="server-log" aria-label="ivshmem-server log">
      <h2>ivshmem-server log</h2>
      <pre class="log" tabIndex={0} ref={(el) => { if (el) el.scrollTop = el.scrollHeight; }}>{text}</pre>
    </section>
  );
}
