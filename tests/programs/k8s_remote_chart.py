"""A Helm chart as the v4 Chart component: the Kubernetes provider renders it itself, so none of
the objects it creates is registered by the program; only the chart itself reaches a policy,
and the same for a YAML bundle whose pod shares the node's process namespace."""

import pulumi
import pulumi_kubernetes as k8s

namespace = f"trade2026-{pulumi.get_stack()}"
k8s.helm.v4.Chart("agent", chart="oci://registry.example.net/charts/node-agent", version="3.1.0", namespace=namespace)
k8s.yaml.v2.ConfigGroup(
    "debug",
    yaml=f"""
apiVersion: v1
kind: Pod
metadata: {{name: debug, namespace: {namespace}}}
spec:
  hostPID: true
  containers: [{{name: debug, image: alpine:3.20.3, securityContext: {{privileged: true}}}}]
""",
)
