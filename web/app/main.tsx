import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import { App, wb } from './App.tsx';

declare global {
  interface Window {
    /** the workbench, for the browser tests and the curious (devtools) */
    workbench: typeof wb;
  }
}

const root = document.getElementById('app')!;
if (typeof SharedArrayBuffer === 'undefined' || !crossOriginIsolated) {
  root.innerHTML = `<div class="unsupported" role="alert"><h2>SharedArrayBuffer is not available here</h2>
    <p>The VMs share one <code>WebAssembly.Memory</code>, which browsers only give a cross-origin isolated page.
    This page tries to become one with a service worker (coi-serviceworker) and reloads once; if you are reading this,
    that did not work. Serve the site with these two headers:</p>
    <pre>Cross-Origin-Opener-Policy: same-origin\nCross-Origin-Embedder-Policy: require-corp</pre>
    <p>or open it over https (or on localhost) so the service worker can add them, in a browser that allows service workers
    (not a private window that blocks them).</p></div>`;
} else {
  window.workbench = wb;
  render(<App />, root);
}
