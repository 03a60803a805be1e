#!/usr/bin/env python3
"""Write FILES manifest files of OBJECTS objects each into DIR, a realistic
mix (Deployment, Service, ConfigMap, StatefulSet, Job, Secret, PVC, ...),
all valid and with unique names, for benchmarking `podvisor check`."""
import base64
import os
import sys

KINDS = ["deploy", "svc", "cm", "sts", "job", "secret", "pvc", "pod", "ds", "cronjob"]


def deploy(n):
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {n}
  labels: {{app: {n}, tier: web}}
spec:
  replicas: 3
  selector:
    matchLabels: {{app: {n}}}
  template:
    metadata:
      labels: {{app: {n}, tier: web}}
    spec:
      containers:
      - name: web
        image: registry.example/web:1.2.3
        args: ["--port=8080", "--log-level=info"]
        env:
        - name: POD_NAME
          valueFrom: {{fieldRef: {{fieldPath: metadata.name}}}}
        - name: MODE
          value: production
        ports:
        - {{name: http, containerPort: 8080}}
        readinessProbe:
          httpGet: {{path: /healthz, port: http}}
          periodSeconds: 5
        resources:
          requests: {{cpu: 100m, memory: 64Mi}}
          limits: {{cpu: "1", memory: 128Mi}}
        volumeMounts:
        - {{name: cfg, mountPath: /etc/web}}
      volumes:
      - name: cfg
        configMap: {{name: {n}-cfg}}
"""


def svc(n):
    return f"""apiVersion: v1
kind: Service
metadata:
  name: {n}
spec:
  type: NodePort
  selector: {{app: {n}}}
  ports:
  - {{name: http, port: 80, targetPort: http}}
"""


def cm(n):
    lines = "".join(f"  key{i}: value number {i}\n" for i in range(10))
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: {n}
data:
{lines}  config.ini: |
    [server]
    port = 8080
"""


def sts(n):
    return f"""apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {n}
spec:
  serviceName: {n}
  replicas: 2
  selector:
    matchLabels: {{app: {n}}}
  template:
    metadata:
      labels: {{app: {n}}}
    spec:
      containers:
      - name: db
        image: registry.example/db:15
        ports: [{{containerPort: 5432, name: pg}}]
        volumeMounts: [{{name: data, mountPath: /var/lib/db}}]
  volumeClaimTemplates:
  - metadata: {{name: data}}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {{requests: {{storage: 1Gi}}}}
"""


def job(n):
    return f"""apiVersion: batch/v1
kind: Job
metadata:
  name: {n}
spec:
  backoffLimit: 3
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: run
        image: busybox:1.36
        command: ["sh", "-c", "echo done"]
"""


def secret(n):
    v = base64.b64encode(f"secret-{n}".encode()).decode()
    return f"""apiVersion: v1
kind: Secret
metadata:
  name: {n}
type: Opaque
data:
  password: {v}
stringData:
  user: admin
"""


def pvc(n):
    return f"""apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {n}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: local
  resources:
    requests: {{storage: 5Gi}}
"""


def pod(n):
    return f"""apiVersion: v1
kind: Pod
metadata:
  name: {n}
  labels: {{app: {n}}}
spec:
  containers:
  - name: main
    image: busybox:1.36
    command: ["sleep", "3600"]
    livenessProbe:
      exec: {{command: ["true"]}}
"""


def ds(n):
    return f"""apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {n}
spec:
  selector:
    matchLabels: {{app: {n}}}
  template:
    metadata:
      labels: {{app: {n}}}
    spec:
      hostNetwork: true
      containers:
      - name: agent
        image: registry.example/agent:2
        ports: [{{containerPort: 9100}}]
"""


def cronjob(n):
    return f"""apiVersion: batch/v1
kind: CronJob
metadata:
  name: {n}
spec:
  schedule: "*/15 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: tick
            image: busybox:1.36
            command: ["date"]
"""


GEN = {k: globals()[k] for k in KINDS}


def main():
    out, files, objects = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    for f in range(files):
        docs = [GEN[KINDS[o % len(KINDS)]](f"o{f}-{o}") for o in range(objects)]
        with open(os.path.join(out, f"app{f:04d}.yaml"), "w") as fh:
            fh.write("---\n".join(docs))


if __name__ == "__main__":
    main()
