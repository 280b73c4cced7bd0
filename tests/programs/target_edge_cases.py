"""A service using the parts of the data-sheet vocabulary the eight services do not: a fixed file
marked secret, and a file that is not secret at all."""

from dataclasses import replace

from components import nats
from components.catalog import ServiceSettings
from components.service import Service
from components.settings import StackSettings
from components.spec import CommandProbe, Port, ServiceSpec, Upload
from components.targets.docker import DockerTarget


def spec(_overrides: ServiceSettings) -> ServiceSpec:
    return ServiceSpec(
        image="nats:2.10.29-alpine",
        ports=(Port("client", 4222, slot=0),),
        volumes=(),
        networks=("backend",),
        healthcheck=CommandProbe("client", "true"),
        uploads=(Upload("/etc/licence.key", "fixed licence text", secret=True), Upload("/etc/motd", "hello")),
    )


Service("edge", replace(nats.SHEET, kind="edge", component="Edge", spec=spec), DockerTarget.for_stack(StackSettings()))
