// Package bridge maps the upstream Terraform provider (kreuzwerker/terraform-provider-docker) to
// the Pulumi package that the pinned pulumi-docker SDK (5.2.0) was generated for: the same tokens,
// property names and provider config, so the SDK's programs run against it unchanged.
package bridge

import (
	"context"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/terraform-providers/terraform-provider-docker/shim"
)

// Version is what the plugin reports and what the schema says; provider.sh stamps the pulumi-docker
// SDK's version into it (-X), because the SDK asks the engine for exactly that plugin version.
var Version = "0.0.0-dev"

// Where the bridge's own naming would differ from pulumi-docker's, the name pulumi-docker gives.
// Everything else follows from the bridge's rules (`env` -> `envs`, `healthcheck.test` -> `tests`),
// which tests/realdocker/test_provider.py checks against the installed SDK.
var resources = map[string]*tfbridge.ResourceInfo{
	"docker_container": {
		Tok: "docker:index/container:Container",
		// A container's name and host ports are single-use: the old one must go first.
		DeleteBeforeReplace: true,
		Fields: map[string]*tfbridge.SchemaInfo{
			// One argv, not a list of commands.
			"command": {Name: "command"},
			// Already plural in meaning; the bridge would make it networksAdvanceds.
			"networks_advanced": {Name: "networksAdvanced"},
		},
	},
	"docker_image": {
		Tok: "docker:index/remoteImage:RemoteImage",
		// The image reference: a field of its own keeps it from being auto-named.
		Fields: map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}},
	},
	"docker_config": {Tok: "docker:index/serviceConfig:ServiceConfig"},
}

var dataSources = map[string]*tfbridge.DataSourceInfo{
	"docker_image": {Tok: "docker:index/getRemoteImage:getRemoteImage"},
}

// Provider is the bridge's description of the provider, for the plugin and for tfgen alike.
func Provider() tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:           shimv2.NewProvider(shim.NewProvider(Version)),
		Name:        "docker",
		Version:     Version,
		Description: "Docker resources of kreuzwerker/terraform-provider-docker, bridged for trade2026",
		License:     "Apache-2.0",
		GitHubOrg:   "kreuzwerker",
		Config: map[string]*tfbridge.SchemaInfo{
			"host": {
				Default: &tfbridge.DefaultInfo{
					EnvVars: []string{"DOCKER_HOST"},
					// The upstream default, also when DOCKER_HOST is unset (this build targets Linux only).
					ComputeDefault: func(context.Context, tfbridge.ComputeDefaultOptions) (interface{}, error) {
						return "unix:///var/run/docker.sock", nil
					},
				},
			},
			// A list of registries, named in the singular as the SDK's provider.py has it.
			"registry_auth": {Name: "registryAuth", MaxItemsOne: tfbridge.False()},
		},
		Resources:   resources,
		DataSources: dataSources,
	}
	// Every other resource and data source: docker_foo_bar -> docker:index/fooBar:FooBar, getFooBar.
	info.MustComputeTokens(tokens.SingleModule("docker_", "index", tokens.MakeStandard("docker")))
	// As pulumi-docker: a resource without `name` gets "<resource name>-<7 random hex digits>".
	info.SetAutonaming(255, "-")
	return info
}
