/** An OOMKilled incident and the team's repository it maps to: the fixtures of the fix-PR tests and benchmark. */
import { alertmanagerBody } from './payloads.ts';

export const MANIFEST = `# checkout: the web shop's checkout API
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  namespace: shop
  labels:
    app: checkout
spec:
  replicas: 3
  selector:
    matchLabels:
      app: checkout
  template:
    metadata:
      labels:
        app: checkout
    spec:
      containers:
        - name: checkout
          image: ghcr.io/acme/checkout:2.14.0
          resources:
            requests:
              cpu: 250m
              memory: 256Mi # measured p50
            limits:
              memory: 512Mi
        - name: log-shipper
          image: fluent/fluent-bit:3.1
          resources:
            limits:
              memory: 128Mi
---
apiVersion: v1
kind: Service
metadata:
  name: checkout
  namespace: shop
spec:
  selector:
    app: checkout
  ports:
    - port: 80
      targetPort: 8080
`;

export const ALERT_LABELS = {
  alertname: 'KubePodOOMKilled',
  severity: 'critical',
  namespace: 'shop',
  pod: 'checkout-7d9f8b6c5d-x2k4q',
  container: 'checkout',
  service: 'checkout',
  reason: 'OOMKilled',
};

export const oomBody = (groupKey: string, labels: Record<string, string> = ALERT_LABELS) =>
  alertmanagerBody({
    groupKey,
    alerts: [
      {
        fingerprint: `fp-${groupKey}`,
        labels,
        annotations: { summary: `Container ${labels.container} in ${labels.pod} was OOMKilled.` },
      },
    ],
  });

export const fixesYaml = (repo: string, extra = '') => `services:
  - name: checkout
    repo: ${repo}
    fixes:
      base: main
      paths: { kubernetes: ["deploy/**/*.yaml"], helm: ["charts/**/values.yaml"] }
${extra}`;
