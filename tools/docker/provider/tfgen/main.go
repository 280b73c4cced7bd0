// Writes the Pulumi schema of bridge.Provider(): `tfgen schema --out DIR --skip-docs --skip-examples`.
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"

	"trade2026.local/tools/docker/provider/bridge"
)

func main() {
	tfgen.Main("docker", bridge.Version, bridge.Provider())
}
