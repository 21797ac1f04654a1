package localstore

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"

	"github.com/fedimedia/media/mastoapi"
)

// TokenAuthenticator accepts one bearer token, which belongs to one account
// and has the scopes "read" and "write". It implements
// mastoapi.Authenticator for a single-user server such as `media serve`.
type TokenAuthenticator struct {
	tokenHash [sha256.Size]byte
	accountID string
}

// NewTokenAuthenticator returns an authenticator for token, owned by
// accountID. Both must be non-empty.
func NewTokenAuthenticator(token, accountID string) (*TokenAuthenticator, error) {
	if token == "" {
		return nil, errors.New("localstore: the access token is empty")
	}
	if accountID == "" {
		return nil, errors.New("localstore: the account id is empty")
	}
	return &TokenAuthenticator{tokenHash: sha256.Sum256([]byte(token)), accountID: accountID}, nil
}

// Authenticate returns the configured account for the configured token and
// an error matching mastoapi.ErrInvalidToken for any other token. Hashing
// both tokens first makes the comparison take the same time whatever the
// length of the token sent.
func (a *TokenAuthenticator) Authenticate(ctx context.Context, token string) (mastoapi.Principal, error) {
	sum := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(sum[:], a.tokenHash[:]) != 1 {
		return mastoapi.Principal{}, mastoapi.ErrInvalidToken
	}
	return mastoapi.Principal{AccountID: a.accountID, Scopes: []string{"read", "write"}}, nil
}
