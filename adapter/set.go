package adapter

import "iter"

// smallSet is how many members a set keeps in a slice before it becomes a
// map.
const smallSet = 8

// set is a set of rooms or socket ids that stays a small slice while it has
// few members. Most sets of an adapter have one member (a socket's own
// room; the rooms of a socket that joined none), where a Go map costs over
// 200 bytes: with two per socket, the maps were an eighth of an idle
// connection's memory. Large rooms become maps, so membership stays O(1)
// where it matters.
//
// A set is a value: store it back into its map after add and del.
type set[T comparable] struct {
	small []T
	big   map[T]struct{}
}

func (s *set[T]) has(v T) bool {
	if s.big != nil {
		_, ok := s.big[v]
		return ok
	}
	for _, x := range s.small {
		if x == v {
			return true
		}
	}
	return false
}

// add adds v, reporting whether it was new.
func (s *set[T]) add(v T) bool {
	if s.has(v) {
		return false
	}
	switch {
	case s.big != nil:
		s.big[v] = struct{}{}
	case len(s.small) < smallSet:
		s.small = append(s.small, v)
	default:
		s.big = make(map[T]struct{}, 2*smallSet)
		for _, x := range s.small {
			s.big[x] = struct{}{}
		}
		s.big[v] = struct{}{}
		s.small = nil
	}
	return true
}

func (s *set[T]) del(v T) {
	if s.big != nil {
		delete(s.big, v)
		return
	}
	for i, x := range s.small {
		if x == v {
			last := len(s.small) - 1
			s.small[i] = s.small[last]
			var zero T
			s.small[last] = zero
			s.small = s.small[:last]
			return
		}
	}
}

func (s *set[T]) len() int {
	if s.big != nil {
		return len(s.big)
	}
	return len(s.small)
}

// all yields the members, in no particular order.
func (s *set[T]) all() iter.Seq[T] {
	return func(yield func(T) bool) {
		if s.big != nil {
			for v := range s.big {
				if !yield(v) {
					return
				}
			}
			return
		}
		for _, v := range s.small {
			if !yield(v) {
				return
			}
		}
	}
}
