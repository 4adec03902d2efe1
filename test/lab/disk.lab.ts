// Real etcd, real disk: fio saturates the leader's capped volume until etcd logs `slow fdatasync`
// (and, in most runs, loses its leader). rootline must name etcd-disk-latency on that member,
// from the files and from the live Prometheus. Runs with `npm run test:lab` (not `npm test`: it needs root and ~4 min).
import { EXPECTED } from './harness/check-run.js';
import { defineLabTest } from './harness/lab-test.js';

defineLabTest('disk', 'real etcd: a noisy neighbour on the leader\'s volume is etcd-disk-latency on that member', EXPECTED.disk);
