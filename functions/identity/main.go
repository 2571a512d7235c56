// Command identity is the Lambda function of the Identity endpoint group.
package main

import (
	"roster/shared/identity"
	"roster/shared/lambdahttp"
)

// Clients and key material are built on the first event, once per
// container, so process start makes no network calls.
func main() { lambdahttp.Main("identity", identity.FromPlatform) }
