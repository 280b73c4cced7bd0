import pulumi
import pulumi_docker as docker

# frontend: what UI-facing services reach; lowlatency: the trading hot path;
# backend: everything services talk to. As in the compose setup.
NETWORKS = ("frontend", "lowlatency", "backend")


def create_networks(prefix: str) -> dict[str, docker.Network]:
    return {
        name: docker.Network(
            name,
            name=f"{prefix}-{name}",
            labels=[docker.NetworkLabelArgs(label="trade2026.stack", value=pulumi.get_stack())],
        )
        for name in NETWORKS
    }
