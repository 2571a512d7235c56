// Command account is the Lambda function of the Account endpoint group.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"roster/shared/account"
	"roster/shared/platform"
	"roster/shared/platform/accountfn"
)

// The Account routes over the sign-in service (the table, passwords hashed
// with the pepper, access tokens issued with the signing keys) and the
// signing keys' public halves, which the JWKS route serves, and the
// passkeys' WebAuthn relying party, which only this function links
// (accountfn).
//
// All of it is built in Lambda's init phase, before the first poll
// (decision 015). A configuration error exits 1; a failed build answers
// each event 503 in the group's error shape and is retried on the next.
func main() {
	fn := platform.MustConfigure("account") // TABLE_NAME, SECRET_ID, LOG_LEVEL
	lambda.Start(platform.HTTPHandler(fn, accountfn.Account, account.WriteError))
}
