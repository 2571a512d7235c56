// Command provisioning is the Lambda function that applies the events of
// the provisioning queue.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"roster/shared/provision"
)

// Clients and key material are built on the first batch, once per
// container, so process start makes no network calls.
func main() {
	h, err := provision.FromEnv(os.Getenv, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "provisioning:", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
