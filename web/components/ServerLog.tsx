// The ivshmem-server's log: every message on the wire and what it means to its receiver. It
// follows new lines while scrolled to the bottom, and stays put while someone reads further up.
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { Workbench } from '../app/workbench.ts';

export function ServerLog({ wb }: { wb: Workbench }) {
  wb.frame.value;
  const pre = useRef<HTMLPreElement>(null);
  const following = useRef(true);
  // a scenario with an ivshmem2-server (ivshmem-v2) shows that one's messages
  const log = (wb.server2 ?? wb.server)?.log ?? [];
  const name = wb.server2 ? 'ivshmem2-server' : 'ivshmem-server';
  const text = log.slice(-200).map((e) => (e.meaning ? `${e.text.padEnd(34)} ${e.meaning}` : e.text)).join('\n');
  useLayoutEffect(() => {
    const el = pre.current;
    if (el && following.current) el.scrollTop = el.scrollHeight;
  });
  return (
    <section class="server-log" aria-label={`${name} log`}>
      <h2>{name} log</h2>
      <pre class="log" tabIndex={0} ref={pre} onScroll={(e) => {
        const el = e.currentTarget;
        following.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
      }}>{text}</pre>
    </section>
  );
}
