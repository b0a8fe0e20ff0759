// The guided tour through the questions (web/tour/steps.ts), drawn by driver.js: each step dims the
// page but for the part it is about, says the question, what to look at and what to do, and
// enables "Next" once its check passes. Steps open their scenario first; the address keeps the step
// (?tour=<id>), so a link opens it and a reload stays on it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { driver, type Driver, type PopoverDOM } from 'driver.js';
import 'driver.js/dist/driver.css';
import type { Workbench } from '../app/workbench.ts';
import { TOUR } from './steps.ts';

function keepInUrl(id: string | undefined): void {
  const url = new URL(location.href);
  if (id === undefined) url.searchParams.delete('tour'); else url.searchParams.set('tour', id);
  history.replaceState(null, '', url);
}

function paragraph(className: string, text: string): HTMLParagraphElement {
  const p = document.createElement('p');
  p.className = className;
  p.textContent = text;
  return p;
}

export function Tour({ wb, start, scenario, status, onScenario, onClose }: {
  wb: Workbench;
  /** the step to open: its id (the first step for an unknown one) */
  start: string;
  /** the scenario the page shows, and whether it runs */
  scenario: string;
  status: string;
  onScenario: (id: string) => void;
  onClose: () => void;
}) {
  const [index, setIndex] = useState(() => Math.max(0, TOUR.findIndex((s) => s.id === start)));
  const [ready, setReady] = useState(false);
  const done = useRef(false);
  const baseline = useRef<unknown>(undefined);
  const tour = useRef<Driver | undefined>(undefined);
  const popover = useRef<PopoverDOM | undefined>(undefined);
  const step = TOUR[index];

  const go = (next: number) => {
    if (next < 0 || next >= TOUR.length) return;
    setReady(false);
    setIndex(next);
  };

  // One driver for the tour; closed with the tour.
  useEffect(() => {
    const d = driver({
      animate: false,
      allowClose: true,
      overlayClickBehavior: () => undefined,
      showButtons: ['previous', 'next', 'close'],
      popoverClass: 'tour-popover',
      onCloseClick: () => onClose(),
      // Escape closes the tour as its close button does.
      onDestroyStarted: () => onClose(),
      // driver.js marks the highlighted element as a popup's opener (aria-haspopup, -expanded,
      // -controls): a region or a form is none, and those attributes are not allowed on it.
      onHighlighted: (element) => {
        for (const name of ['aria-haspopup', 'aria-expanded', 'aria-controls']) element?.removeAttribute(name);
      },
    });
    tour.current = d;
    return () => {
      d.destroy();
      tour.current = undefined;
      keepInUrl(undefined);
    };
  }, []);

  // A step opens its scenario, and begins once that runs.
  useEffect(() => {
    keepInUrl(step.id);
    if (scenario !== step.scenario) {
      onScenario(step.scenario);
      return;
    }
    if (status === 'running' && !ready) {
      done.current = !step.check;
      baseline.current = step.begin?.(wb);
      setReady(true);
    }
  }, [index, scenario, status]);

  // The highlight and its popover, once the step has begun.
  useEffect(() => {
    const d = tour.current;
    if (!d || !ready) return;
    d.highlight({
      element: step.element,
      popover: {
        title: `Question ${index + 1} of ${TOUR.length}`,
        description: ' ',
        showButtons: ['previous', 'next', 'close'],
        nextBtnText: index === TOUR.length - 1 ? 'Finish' : 'Next',
        prevBtnText: 'Back',
        onNextClick: () => { if (done.current) { if (index === TOUR.length - 1) onClose(); else go(index + 1); } },
        onPrevClick: () => go(index - 1),
        onCloseClick: () => onClose(),
        onPopoverRender: (dom) => {
          popover.current = dom;
          dom.wrapper.dataset.step = step.id;
          dom.description.replaceChildren(
            paragraph('tour-question', step.question),
            paragraph('tour-look', step.look),
            ...(step.task ? [paragraph('tour-task', step.task), paragraph('tour-check', '')] : []),
          );
          dom.previousButton.disabled = index === 0;
          render();
        },
      },
    });
  }, [ready, index]);

  /** The task's state in the popover, and Next enabled once it is done. */
  const render = () => {
    const dom = popover.current;
    if (!dom) return;
    dom.nextButton.disabled = !done.current;
    const status = dom.description.querySelector('.tour-check');
    if (status) status.textContent = done.current ? '✓ Done: on to the next question.' : 'Waiting for you to do it…';
    dom.wrapper.dataset.done = String(done.current);
  };

  // The check, a few times a second, and the highlight kept on its element as the page moves.
  useEffect(() => {
    if (!ready) return;
    const timer = setInterval(() => {
      if (!done.current && step.check?.(wb, baseline.current)) done.current = true;
      render();
      tour.current?.refresh();
    }, 250);
    return () => clearInterval(timer);
  }, [ready, index]);

  return null;
}
