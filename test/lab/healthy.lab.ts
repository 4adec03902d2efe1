// Real etcd under the same load with no fault: rootline must find nothing to report.
import { EXPECTED } from './harness/check-run.js';
import { defineLabTest } from './harness/lab-test.js';

defineLabTest('healthy', 'real etcd: the same load without a fault is a healthy window (none)', EXPECTED.healthy);
