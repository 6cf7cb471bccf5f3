//go:build race

package cel_test

// raceDetector says the tests run under the race detector (go test -race).
const raceDetector = true
