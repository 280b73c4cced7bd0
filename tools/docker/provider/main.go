// The pulumi-resource-docker plugin: the bridged provider, serving the schema that provider.sh
// generated with ./tfgen from the same bridge.Provider() just before this build.
package main

import (
	_ "embed"
	"encoding/json"
	"log"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"trade2026.local/tools/docker/provider/bridge"
)

//go:embed schema.json
var schema []byte

// tfgen leaves the version out of the schema on purpose (so that it does not change with every
// build); as in pulumi-docker's own build, the plugin's version goes in here.
func versionedSchema() []byte {
	var spec map[string]json.RawMessage
	if err := json.Unmarshal(schema, &spec); err != nil {
		log.Fatalf("cannot read the embedded schema: %v", err)
	}
	quoted, err := json.Marshal(bridge.Version)
	if err != nil {
		log.Fatal(err)
	}
	spec["version"] = quoted
	out, err := json.Marshal(spec)
	if err != nil {
		log.Fatal(err)
	}
	return out
}

func main() {
	tfbridge.Main("docker", bridge.Version, bridge.Provider(), versionedSchema())
}
