// The realize transaction (src/device/transaction.ts): what a failed realize gives back, in what
// order, and what an unplug gives back later. The order matters: a device's client closes before
// its connection, a VM's worker ends before the host frees what it might still touch.
import { expect, test } from 'vitest';
import { Transaction } from '../../src/device/transaction.ts';

test('rollback undoes everything registered, newest first, the failure-only steps included', () => {
  const done: string[] = [];
  const tx = new Transaction();
  expect(tx.take('block', (r) => done.push(`give ${r}`))).toBe('block');
  tx.onFailure(() => { done.push('delete file'); });
  tx.take('connection', (r) => done.push(`close ${r}`));
  expect(tx.rollback()).toBeUndefined();
  expect(done).toEqual(['close connection', 'delete file', 'give block']);
});

test('an asynchronous undo is waited for before the older ones run', async () => {
  const done: string[] = [];
  const tx = new Transaction();
  tx.take('block', () => done.push('give block'));
  let end!: () => void;
  tx.onFailure(() => new Promise<void>((resolve) => { end = () => { done.push('worker ended'); resolve(); }; }));
  const rolled = tx.rollback();
  expect(rolled).toBeInstanceOf(Promise);
  expect(done, 'nothing older runs while the worker may still touch it').toEqual([]);
  end();
  await rolled;
  expect(done).toEqual(['worker ended', 'give block']);
});

test('an undo that throws does not stop the others', () => {
  const done: string[] = [];
  const tx = new Transaction();
  tx.take('a', () => done.push('a'));
  tx.take('b', () => { throw new Error('b failed'); });
  tx.take('c', () => done.push('c'));
  tx.rollback();
  expect(done).toEqual(['c', 'a']);
});

test('commit keeps what is held until the lease is released, once, newest first, without the failure-only steps', () => {
  const done: string[] = [];
  const tx = new Transaction();
  tx.take('block', () => done.push('give block'));
  tx.onFailure(() => { done.push('delete file'); });
  tx.take('connection', () => done.push('close connection'));
  const lease = tx.commit();
  expect(done).toEqual([]);
  expect(lease.released).toBe(false);
  lease.release();
  lease.release();
  expect(done).toEqual(['close connection', 'give block']);
  expect(lease.released).toBe(true);
});

test('a transaction that committed or rolled back takes nothing more', () => {
  const tx = new Transaction();
  tx.commit();
  expect(() => tx.take('late', () => {})).toThrow(/already committed or rolled back/);
  const other = new Transaction();
  other.rollback();
  expect(() => other.onFailure(() => {})).toThrow(/already committed or rolled back/);
});
