// Command account is the Lambda function of the Account endpoint group.
package main

import (
	"roster/shared/account"
	"roster/shared/lambdahttp"
)

// Clients and key material are built on the first event, once per
// container, so process start makes no network calls.
func main() { lambdahttp.Main("account", account.FromPlatform) }
