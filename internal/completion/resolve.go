package completion

import "context"

// Lookup returns the records of kind from src, or nothing when they cannot
// be had within Timeout: no source (the caller found nothing to look up
// with), offline, unauthenticated, refused, or a kind the provider cannot
// list. It never reports why; a shell has nowhere to show it.
func Lookup(ctx context.Context, src *Source, kind Kind) []Item {
	if src == nil || !src.Supports(kind) {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	items, err := src.Items(ctx, kind)
	if err != nil {
		return nil
	}
	return items
}
