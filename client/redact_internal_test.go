package client

import (
	"reflect"
	"testing"
)

// TestMaskedFieldsListEveryField: each type that prints itself lists its fields once, in
// fields(); a field added to the struct but not to the list would vanish from %v and slog,
// and a secret added without the mark would print in clear. The list must name every
// struct field, in order, with the value of that field, and mark exactly the secrets.
func TestMaskedFieldsListEveryField(t *testing.T) {
	tests := []struct {
		m       masked
		secrets []string
	}{
		{SetPasswordRequest{}, []string{"NewPassword", "CurrentPassword", "VerificationCode"}},
		{UpdateUserRequest{}, []string{"NewPassword", "NewPasswordHash", "CurrentPassword", "VerificationCode"}},
		{PasswordReset{}, []string{"VerificationCode"}},
		{AddHumanUserRequest{}, []string{"Password", "PasswordHash"}},
		{CreateUserRequest{}, []string{"Password", "PasswordHash"}},
		{Session{}, []string{"Token"}},
	}
	for _, tt := range tests {
		typ := reflect.TypeOf(tt.m)
		t.Run(typ.Name(), func(t *testing.T) {
			if want := "client." + typ.Name(); tt.m.typeName() != want {
				t.Errorf("typeName() = %q, want %q", tt.m.typeName(), want)
			}
			// Give every field a distinct value, so that a field listed with another
			// field's value shows.
			v := reflect.New(typ).Elem()
			for i := range v.NumField() {
				switch f := v.Field(i); f.Kind() {
				case reflect.String:
					f.SetString("value-of-" + typ.Field(i).Name)
				case reflect.Bool:
					f.SetBool(i%2 == 0)
				}
			}
			m := v.Interface().(masked)
			fs := m.fields()
			if len(fs) != typ.NumField() {
				t.Fatalf("fields() lists %d fields, the struct has %d", len(fs), typ.NumField())
			}
			wantSecret := map[string]bool{}
			for _, s := range tt.secrets {
				wantSecret[s] = true
			}
			for i, f := range fs {
				sf := typ.Field(i)
				if f.name != sf.Name {
					t.Errorf("fields()[%d] is %q, the struct's field %d is %q", i, f.name, i, sf.Name)
					continue
				}
				if !reflect.DeepEqual(f.value, v.Field(i).Interface()) {
					t.Errorf("fields() gives %s the value %#v, the struct holds %#v", f.name, f.value, v.Field(i).Interface())
				}
				if f.secret != wantSecret[f.name] {
					t.Errorf("%s: secret = %v, want %v", f.name, f.secret, wantSecret[f.name])
				}
			}
		})
	}
}
