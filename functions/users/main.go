// Command users is the Lambda function of the Users endpoint group.
package main

import (
	"roster/shared/lambdahttp"
	"roster/shared/users"
)

// Clients and key material are built on the first event, once per
// container, so process start makes no network calls.
func main() { lambdahttp.Main("users", users.FromPlatform) }
