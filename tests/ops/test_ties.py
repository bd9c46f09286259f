"""What the special-values check compares of a selection op whose choice among ties is open
(gradspec.ops.ties), on hand-made rows."""

import numpy as np

from gradspec.ops.ties import class_sums, picked_values, ties_open, untied_outputs

NAN = float("nan")


def test_ties_open_names_topk_kthvalue_and_nanmedian_with_a_dim_only():
    assert ties_open("topk") == -1
    assert ties_open("topk.smallest-dim0") == 0
    assert ties_open("kthvalue") == -1
    assert ties_open("sort") is None
    assert ties_open("mode") is None
    assert ties_open("nanmedian") is None
    assert ties_open("nanmedian.dim") == 0


def test_picked_values_reads_the_input_at_the_indices():
    x = np.array([[3.0, 1.0, 3.0], [NAN, 2.0, 5.0]])
    got = picked_values(x, np.array([[2, 0], [0, 2]]), -1)
    np.testing.assert_array_equal(got, [[3.0, 3.0], [NAN, 5.0]])
    # an index output with the dim dropped (kthvalue without keepdim), along dim 0
    np.testing.assert_array_equal(picked_values(x, np.array([1, 0, 0]), 0), [NAN, 1.0, 3.0])
    assert picked_values(np.array(4.0), np.array(0), 0) == 4.0


def test_class_sums_add_the_gradient_over_tied_elements_of_a_row():
    x = np.array([[1.0, -0.0, 1.0, 0.0], [NAN, 2.0, NAN, 1.0]])
    g = np.array([[0.5, 2.0, 0.25, 3.0], [1.0, 4.0, 8.0, 16.0]])
    # 1 and 1 tie, -0 and 0 tie (==), the two NaNs tie; rows do not mix
    want = [[0.75, 5.0, 0.75, 5.0], [9.0, 4.0, 9.0, 16.0]]
    np.testing.assert_array_equal(class_sums(x, g, -1), want)
    # a gradient sent to the other tied element gives the same sums
    g2 = np.array([[0.75, 0.0, 0.0, 5.0], [0.0, 4.0, 9.0, 16.0]])
    np.testing.assert_array_equal(class_sums(x, g2, -1), want)
    # along dim 0 the classes are columns: no ties there but the NaNs' column
    np.testing.assert_array_equal(class_sums(x, g, 0), g)


def test_class_sums_keep_an_inf_gradient_out_of_other_classes():
    x = np.array([1.0, 2.0, 2.0])
    g = np.array([np.inf, 1.0, 1.0])
    np.testing.assert_array_equal(class_sums(x, g, 0), [np.inf, 2.0, 2.0])


def test_untied_outputs_mark_values_with_one_match_in_their_row():
    x = np.array([[5.0, 5.0, 1.0], [NAN, 3.0, 2.0]])
    np.testing.assert_array_equal(
        untied_outputs(x, np.array([[5.0, 5.0], [NAN, 3.0]]), -1), [[False, False], [True, True]]
    )
    np.testing.assert_array_equal(untied_outputs(x, np.array([5.0, 3.0]), -1), [False, True])
