// Command accessusers is the Lambda function of the Access User endpoint
// group.
package main

import (
	"roster/shared/accessusers"
	"roster/shared/lambdahttp"
)

// Clients and key material are built on the first event, once per
// container, so process start makes no network calls.
func main() { lambdahttp.Main("accessusers", accessusers.FromPlatform) }
