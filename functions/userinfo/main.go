// Command userinfo is the Lambda function of the UserInfo endpoint group.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"roster/shared/lambdahttp"
	"roster/shared/platform"
	"roster/shared/seal"
	"roster/shared/userinfo"
)

func main() {
	if _, err := platform.ConfigFromEnv(os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "userinfo:", err)
		os.Exit(1)
	}
	lambda.Start(lambdahttp.Lazy(func(ctx context.Context) (http.Handler, error) {
		return build(ctx, os.Getenv)
	}))
}

// build makes the group's handler once per container: AWS clients, the key
// material from Secrets Manager, the table.
func build(ctx context.Context, getenv func(string) string) (http.Handler, error) {
	p, err := platform.New(ctx, getenv, os.Stdout)
	if err != nil {
		return nil, err
	}
	sealer, err := seal.New(p.Keys.FieldKey)
	if err != nil {
		return nil, err
	}
	return userinfo.Handler(userinfo.Deps{Users: p.Table, Keys: p.Table, Pepper: p.Keys.Pepper, Sealer: sealer}, p.Log), nil
}
