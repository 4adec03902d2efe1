// XSS and template-injection payloads shared by the untrusted-text tests.

/** Payloads a crafted log line could carry; `INJECTED` would show alone if a template evaluated one. */
export const PAYLOADS = [
  '<script>alert(1)</script>',
  '</script><script>alert(2)</script>',
  '<img src=x onerror=alert(3)>',
  '"><svg onload=alert(4)>',
  '[click](javascript:alert(5))',
  '{{#with "x"}}INJECTED{{/with}}',
  '{{{raw}}} ${7*7} <%= 7*7 %> #{7*7}',
  '<!-- --><iframe src=//evil>',
];
