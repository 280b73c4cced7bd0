// The Kubernetes provider plugin, built from its served module. Upstream's command embeds
// schema-embed.json and terraform-mapping-embed.json, which `go generate` writes and the module
// does not ship; build.sh copies the module's own schema.json and terraform-mapping.json next to
// this file instead, and the version stamped into the schema here is the one generate.go stamps.
package main

import (
	_ "embed"
	"encoding/json"
	"log"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var schema []byte

//go:embed terraform-mapping.json
var terraformMapping []byte

func versionedSchema() []byte {
	var spec map[string]json.RawMessage
	if err := json.Unmarshal(schema, &spec); err != nil {
		log.Fatalf("cannot read the embedded schema: %v", err)
	}
	quoted, err := json.Marshal(version.Version)
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
	provider.Serve("kubernetes", version.Version, versionedSchema(), terraformMapping)
}
