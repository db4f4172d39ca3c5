package bench

import (
	"context"
	"net/http"
	"testing"

	"github.com/zitpass/zitpass-go/client"
)

// The current calls of ZITADEL v4 against the floor: the same requests written by hand.

const orgID = "300000000000000001"

type floorCreateUser struct {
	OrganizationID string     `json:"organizationId"`
	Username       string     `json:"username"`
	Human          floorHuman `json:"human"`
}

type floorCreated struct {
	ID           string `json:"id"`
	CreationDate string `json:"creationDate"`
}

// createUser is the floor of Users.CreateUser with the organization given.
func (f *floor) createUser(ctx context.Context) error {
	var in floorCreateUser
	in.OrganizationID, in.Username = orgID, human.Username
	in.Human.Profile.GivenName, in.Human.Profile.FamilyName = human.GivenName, human.FamilyName
	in.Human.Email.Email, in.Human.Email.IsVerified, in.Human.Password.Password = human.Email, true, password
	var out floorCreated
	return f.do(ctx, http.MethodPost, "/v2/users/new", &in, &out)
}

type floorUpdateUser struct {
	Human struct {
		Password struct {
			Password struct {
				Password string `json:"password"`
			} `json:"password"`
			VerificationCode string `json:"verificationCode"`
		} `json:"password"`
	} `json:"human"`
}

// updateUser is the floor of Users.UpdateUser with a verification code.
func (f *floor) updateUser(ctx context.Context) error {
	var in floorUpdateUser
	in.Human.Password.Password.Password, in.Human.Password.VerificationCode = password, "ABC123"
	var out struct {
		ChangeDate string `json:"changeDate"`
	}
	return f.do(ctx, http.MethodPatch, "/v2/users/"+userID, &in, &out)
}

// BenchmarkCreateUser: Users.CreateUser with a password and an organization against the
// floor.
func BenchmarkCreateUser(b *testing.B) {
	ctx := context.Background()
	req := client.CreateUserRequest(human)
	req.OrgID = orgID
	benchPair(b, func(f *floor) error { return f.createUser(ctx) },
		func(c *client.Client) error { _, err := c.Users.CreateUser(ctx, req); return err })
}

// BenchmarkUpdateUser: Users.UpdateUser with a verification code against the floor.
func BenchmarkUpdateUser(b *testing.B) {
	ctx := context.Background()
	req := client.UpdateUserRequest{NewPassword: password, VerificationCode: "ABC123"}
	benchPair(b, func(f *floor) error { return f.updateUser(ctx) },
		func(c *client.Client) error { _, err := c.Users.UpdateUser(ctx, userID, req); return err })
}
