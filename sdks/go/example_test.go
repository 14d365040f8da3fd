package channel_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	channel "github.com/channel-gateway/channel-gateway/sdks/go"
)

// An App Engine handler after the move: only the import changed. The gateway is found through
// CHANNEL_GATEWAY_URL and CHANNEL_GATEWAY_API_KEY.
func Example() {
	http.HandleFunc("/game", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		token, err := channel.Create(ctx, "player-1")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if err := channel.SendJSON(ctx, "player-2", map[string]string{"event": "joined"}); err != nil {
			log.Printf("channel.SendJSON: %v", err)
		}
		fmt.Fprintf(w, `<script src="%s/_ah/channel/jsapi"></script><script>new goog.appengine.Channel(%q).open()</script>`,
			os.Getenv(channel.EnvURL), token)
	})
}

func ExampleCreate() {
	ctx := context.Background()
	token, err := channel.Create(ctx, "player-1", channel.WithDuration(30*time.Minute))
	if errors.Is(err, channel.ErrInvalidClientID) {
		log.Fatal("bad client ID")
	}
	fmt.Println(token != "")
}

// A Client returns the gateway's answer, which App Engine's Send kept to itself.
func ExampleClient_Send() {
	c, err := channel.NewClient(channel.Config{URL: "https://gateway.example.com", APIKey: os.Getenv("GATEWAY_KEY")})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	status, err := c.Send(ctx, "player-1", "your move")
	var gwErr *channel.Error
	switch {
	case errors.As(err, &gwErr):
		log.Printf("refused: %d %s %s", gwErr.StatusCode, gwErr.Code, gwErr.Message)
	case err != nil:
		log.Printf("no answer: %v", err) // a *channel.RequestError
	case status == channel.StatusNoChannel:
		log.Print("player-1 has no live channel: nothing was sent")
	}
}

func ExampleClient_SendBatch() {
	c, err := channel.NewClientFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	results, err := c.SendBatch(context.Background(), []channel.Message{
		{ClientID: "player-1", Data: "game over"},
		{ClientID: "player-2", Data: "game over"},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range results {
		fmt.Println(r.ClientID, r.Status)
	}
}

// Sending to the token Create returned, as App Engine's Send accepted.
func ExampleSendToToken() {
	ctx := context.Background()
	token, err := channel.Create(ctx, "player-1")
	if err != nil {
		log.Fatal(err)
	}
	if err := channel.SendToToken(ctx, token, "hello"); err != nil {
		log.Fatal(err)
	}
}

func ExamplePresenceHandler() {
	secret := os.Getenv("CG_WEBHOOK_SECRET")
	http.Handle("/_ah/channel/", channel.PresenceHandler(secret, func(ctx context.Context, p channel.Presence) error {
		log.Printf("%s connected: %v", p.ClientID, p.Connected)
		return nil
	}))
}

// An App Engine presence handler kept as it was, with the signature checked in front of it.
func ExampleRequireSignature() {
	connected := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.Printf("%s connected", r.FormValue("from"))
	})
	http.Handle("/_ah/channel/connected/", channel.RequireSignature(os.Getenv("CG_WEBHOOK_SECRET"), connected))
}
