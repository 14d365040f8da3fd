package channel

import "context"

// The App Engine functions, on the default client (see Configure and DefaultClient).

// Create creates a channel for clientID and returns the token the browser opens its socket with
// (new goog.appengine.Channel(token)). Options: WithDuration.
func Create(ctx context.Context, clientID string, opts ...CreateOption) (token string, err error) {
	c, err := DefaultClient()
	if err != nil {
		return "", err
	}
	ch, err := c.CreateChannel(ctx, clientID, opts...)
	return ch.Token, err
}

// Send sends msg to clientID's socket. As with App Engine, a client without a live channel is not an
// error; use Client.Send for the gateway's answer.
func Send(ctx context.Context, clientID, msg string, opts ...SendOption) error {
	c, err := DefaultClient()
	if err != nil {
		return err
	}
	_, err = c.Send(ctx, clientID, msg, opts...)
	return err
}

// SendJSON sends value encoded with encoding/json to clientID's socket.
func SendJSON(ctx context.Context, clientID string, value interface{}, opts ...SendOption) error {
	c, err := DefaultClient()
	if err != nil {
		return err
	}
	_, err = c.SendJSON(ctx, clientID, value, opts...)
	return err
}

// SendToToken sends msg to the channel whose token Create returned, as App Engine's Send accepted a
// token in place of the client ID. An unknown or expired token is not an error.
func SendToToken(ctx context.Context, token, msg string, opts ...SendOption) error {
	c, err := DefaultClient()
	if err != nil {
		return err
	}
	_, err = c.SendToToken(ctx, token, msg, opts...)
	return err
}

// SendBatch sends up to MaxBatchSize messages in one request; see Client.SendBatch.
func SendBatch(ctx context.Context, messages []Message, opts ...SendOption) ([]Result, error) {
	c, err := DefaultClient()
	if err != nil {
		return nil, err
	}
	return c.SendBatch(ctx, messages, opts...)
}
