// Command echo is the test fixture for package runtimeapi: a Lambda function
// built like Roster's own, whose event chooses what it does, so that one
// binary covers every path the harness must handle.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// request selects a behaviour; an empty one echoes.
type request struct {
	Error string `json:"error"` // return this error
	Panic string `json:"panic"` // panic with this value
	Exit  bool   `json:"exit"`  // exit without answering
	Sleep string `json:"sleep"` // sleep this long before answering
	Big   int    `json:"big"`   // answer with a string this long
}

type response struct {
	Event        json.RawMessage `json:"event"`
	Big          string          `json:"big,omitempty"`
	RequestID    string          `json:"requestId"`
	FunctionARN  string          `json:"functionArn"`
	FunctionName string          `json:"functionName"`
	HasDeadline  bool            `json:"hasDeadline"`
	EchoEnv      string          `json:"echoEnv"`
}

func main() {
	switch os.Getenv("ECHO_INIT") {
	case "exit":
		log.Fatal("init: ECHO_INIT=exit asks this function to fail at init")
	case "report":
		reportInitError()
		os.Exit(1)
	}
	lambda.Start(handle)
}

func handle(ctx context.Context, event json.RawMessage) (response, error) {
	var req request
	_ = json.Unmarshal(event, &req)
	switch {
	case req.Error != "":
		return response{}, errors.New(req.Error)
	case req.Panic != "":
		panic(req.Panic)
	case req.Exit:
		os.Exit(3)
	case req.Sleep != "":
		d, _ := time.ParseDuration(req.Sleep)
		time.Sleep(d)
	}
	lc, _ := lambdacontext.FromContext(ctx)
	_, hasDeadline := ctx.Deadline()
	return response{
		Event:        event,
		Big:          strings.Repeat("x", req.Big),
		RequestID:    lc.AwsRequestID,
		FunctionARN:  lc.InvokedFunctionArn,
		FunctionName: lambdacontext.FunctionName,
		HasDeadline:  hasDeadline,
		EchoEnv:      os.Getenv("ECHO_ENV"),
	}, nil
}

// reportInitError does what a runtime that uses the init error path does;
// aws-lambda-go itself just exits.
func reportInitError() {
	url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
	body := `{"errorMessage":"config: TABLE_NAME is not set","errorType":"Runtime.ConfigError"}`
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
}
