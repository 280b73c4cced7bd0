"""An image that floats: `latest`, as the compose setup had for QuestDB, SeaweedFS and OPA."""

from hardened import hardened_container

hardened_container("questdb", image_ref="questdb/questdb:latest")
