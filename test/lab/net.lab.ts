// Real etcd, real network delay: a TCP proxy holds the leader's peer traffic for more than an
// election timeout while disks stay healthy. rootline must name etcd-network-latency on that member.
import { EXPECTED } from './harness/check-run.js';
import { defineLabTest } from './harness/lab-test.js';

defineLabTest('net', 'real etcd: delayed peer traffic of the leader is etcd-network-latency on that member', EXPECTED.net);
