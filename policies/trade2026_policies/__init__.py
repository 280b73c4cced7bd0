"""The Trade2026 policies (Docker, Kubernetes, ready data), one module per area."""

from pulumi_policy import Policy

from . import credentials, images, naming, network, readydata, runtime, storage
from . import kubernetes as kubernetes_rules

POLICIES: list[Policy] = [
    storage.no_bind_mounts,
    storage.stack_managed_volumes,
    storage.no_sensitive_host_mounts,
    storage.no_shared_volumes,
    storage.protected_data_volumes,
    images.pinned_image_tags,
    network.loopback_port_bindings,
    network.no_privileged_host_ports,
    network.no_privileged_container_ports,
    network.no_host_port_conflicts,
    network.internal_ports_unpublished,
    network.no_host_namespaces,
    network.user_defined_networks,
    runtime.healthcheck_required,
    runtime.restart_policy_set,
    runtime.memory_limit_required,
    runtime.stack_memory_budget,
    runtime.no_privileged_containers,
    runtime.no_added_capabilities,
    runtime.no_new_privileges,
    runtime.no_unconfined_profiles,
    runtime.no_host_devices,
    runtime.no_cgroup_parent,
    credentials.no_default_credentials,
    credentials.opensearch_security_enabled,
    naming.stack_scoped_names,
    readydata.jetstream_file_storage,
    readydata.bounded_jetstream_streams,
    *kubernetes_rules.POLICIES,
]
