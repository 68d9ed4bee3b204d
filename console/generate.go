package console

// The front-end bundle is committed (the console needs no npm to build);
// this rebuilds it after a change under web/ (run `npm ci` in web/ first).
//go:generate go run ./internal/webbuild/gen
