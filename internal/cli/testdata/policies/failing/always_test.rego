package firebreak.always_test

test_passes if {
	1 == 1
}

test_fails if {
	input.missing == true
}
