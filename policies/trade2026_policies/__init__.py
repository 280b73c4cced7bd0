"""The Trade2026 policies (Docker, Kubernetes, ready data), one module per area, with the
allow-lists (allowlist.py: resource types and providers; fields.py: fields, and values known at
preview) in front: whatever the rules do not know is refused, not passed."""

from pulumi_policy import Policy

from . import allowlist, credentials, fields, images, naming, network, readydata, registries, runtime, storage
from . import kubernetes as kubernetes_rules

POLICIES: list[Policy] = [
    allowlist.allowed_resource_types,
    allowlist.no_explicit_providers,
    fields.docker_allowed_fields,
    fields.kubernetes_pod_allowed_fields,
    fields.known_at_preview,
    storage.no_bind_mounts,
    storage.stack_managed_volumes,
    storage.no_sensitive_host_mounts,
    storage.no_shared_volumes,
    storage.protected_data_volumes,
    storage.managed_mounts_only,
    storage.local_volume_driver,
    storage.no_host_file_uploads,
    images.pinned_image_tags,
    images.images_from_stack,
    registries.allowed_images,
    network.loopback_port_bindings,
    network.no_privileged_host_ports,
    network.no_privileged_container_ports,
    network.no_host_port_conflicts,
    network.internal_ports_unpublished,
    network.no_host_namespaces,
    network.user_defined_networks,
    network.bridge_networks,
    network.stack_managed_networks,
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
    runtime.no_root_user,
    runtime.local_log_driver,
    credentials.no_default_credentials,
    credentials.no_trust_authentication,
    credentials.opensearch_security_enabled,
    naming.stack_scoped_names,
    readydata.jetstream_file_storage,
    readydata.bounded_jetstream_streams,
    *kubernetes_rules.POLICIES,
]
