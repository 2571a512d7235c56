// Command userinfo is the Lambda function of the UserInfo endpoint group.
package main

import (
	"roster/shared/lambdahttp"
	"roster/shared/userinfo"
)

// Clients and key material are built on the first event, once per
// container, so process start makes no network calls.
func main() { lambdahttp.Main("userinfo", userinfo.FromPlatform) }
