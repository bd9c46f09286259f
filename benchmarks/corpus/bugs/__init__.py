"""Plain-torch scripts (no gradspec) showing bugs the corpus found in public packages: each
checks the behaviour torch's docs (or the package's own docs) ask for and exits 1 where the
installed package does otherwise, 0 where it is fixed.

======================================  =======  ==================================================
script                                  version  what is wrong
======================================  =======  ==================================================
entmax_entmax15_double_backward         1.3      entmax15 / entmax_bisect: double backward is NaN
                                                 wherever the output has a zero
snntorch_leaky_spike_operator           1.0.0    LeakySpikeOperator.backward returns 1 gradient for
                                                 2 inputs; surrogate.LSO() passes 2 of 3 arguments
snntorch_spike_dtype                    1.0.0    spikes are float32 whatever the input's dtype
norse_superspike_alpha_ignored          1.1.0    SuperSpike ignores alpha; HeaviCirc / HeaviTanh
                                                 backward contradict their documented formulas
brevitas_tensor_clamp_ste_grad_shape    0.13.4   TensorClampSteFn returns the broadcast output's
                                                 gradient for x
megatron_bias_gelu_grad_shape           0.16.1   GeLUFunction (and the bias SwiGLU/GeGLU) return
                                                 the unreduced bias gradient
gpytorch_log_normal_cdf_accuracy        1.15.2   log_normal_cdf off by 1e-3 below z = -1 (float64);
                                                 double backward 0 there
gpytorch_rbf_covariance_double_backward 1.15.2   RBFCovariance drops the second derivative; returns
                                                 the length-scale gradient unreduced
memory_efficient_attention_float64      0.1.6    FlashAttentionFunction raises on float64 inputs
memory_efficient_attention_double_...   0.1.6    FlashAttentionFunction: create_graph=True silently
                                                 detached (not once_differentiable)
pytorch_wavelets_sfb1d_needs_input_grad 1.3.0    SFB1D: no highpass gradient unless the lowpass
                                                 requires grad
fairscale_checkpoint_wrapper_deepcopy   0.4.13   a deep copy of a checkpoint_wrapper module runs the
                                                 original module
deepspeed_zero3_linear_zero_features    0.19.8   LinearFunctionForZeroStage3 backward raises for a
                                                 3-d input and no output features
======================================  =======  ==================================================
"""
