using ModelMerge.Methods;
using ModelMerge.Plans;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Tests.Parameters;

/// <summary>merge-semantics §1.3: gradients, filters and layer positions, with its worked examples A, B, C and recipes R2, R3.</summary>
public sealed class ParameterSettingTests
{
    private const double Tolerance = 1e-6;

    private static string Layer(int k, string rest = "self_attn.k_proj.weight") => $"model.layers.{k}.{rest}";

    private static double At(ParameterSetting setting, string tensor, LayerPositions positions) =>
        setting.Resolve(tensor, positions.For(tensor)) ?? throw new InvalidOperationException($"no value for {tensor}");

    [Fact]
    public void Example_A_interpolates_a_three_point_gradient_over_six_layers()
    {
        var gradient = ParameterSetting.Gradient([0.2, 0.8, 0.4]);
        var positions = new LayerPositions(6);
        double[] expected = [0.20, 0.44, 0.68, 0.72, 0.56, 0.40];
        for (int k = 0; k < 6; k++) Assert.Equal(expected[k], At(gradient, Layer(k), positions), Tolerance);
        // Outside the blocks t = 0: the first value, lm_head included (mergekit's rule).
        foreach (var tensor in new[] { "model.embed_tokens.weight", "model.norm.weight", "lm_head.weight" })
            Assert.Equal(0.20, At(gradient, tensor, positions), Tolerance);
    }

    [Theory]
    [InlineData(new[] { 0, 0.5, 0.3, 0.7, 1 }, 9, new[] { 0, 0.25, 0.5, 0.4, 0.3, 0.5, 0.7, 0.85, 1.0 })]
    [InlineData(new[] { 1.0, 0 }, 4, new[] { 1, 0.666667, 0.333333, 0 })]
    public void Example_B_gradients(double[] values, int layers, double[] expected)
    {
        var gradient = ParameterSetting.Gradient(values);
        var positions = new LayerPositions(layers);
        for (int k = 0; k < layers; k++) Assert.Equal(expected[k], At(gradient, Layer(k), positions), 1e-6);
    }

    [Fact]
    public void A_one_layer_model_sits_at_the_gradients_end()
    {
        Assert.Equal(0.9, At(ParameterSetting.Gradient([0.1, 0.9]), Layer(0), new LayerPositions(1)), Tolerance);
    }

    [Fact]
    public void Example_C_takes_the_first_matching_filter_and_falls_through_when_none_matches()
    {
        var positions = new LayerPositions(6);
        var withFallback = ExampleC(fallback: true);
        Assert.Equal(0.72, At(withFallback, Layer(3), positions), Tolerance);
        Assert.Equal(0.3, At(withFallback, Layer(3, "mlp.down_proj.weight"), positions), Tolerance);
        Assert.Equal(0.5, At(withFallback, Layer(3, "input_layernorm.weight"), positions), Tolerance);
        Assert.Equal(0.5, At(withFallback, "lm_head.weight", positions), Tolerance);

        var withoutFallback = ExampleC(fallback: false);
        Assert.Null(withoutFallback.Resolve(Layer(3, "input_layernorm.weight"), positions.For(Layer(3, "input_layernorm.weight"))));
    }

    private static ParameterSetting ExampleC(bool fallback)
    {
        var rules = new List<FilterRule>
        {
            new("self_attn", ParameterSetting.Gradient([0.2, 0.8, 0.4])),
            new("mlp", ParameterSetting.Of(0.3)),
        };
        if (fallback) rules.Add(new FilterRule(null, ParameterSetting.Of(0.5)));
        return ParameterSetting.Filtered(rules, ordered: true);
    }

    [Fact]
    public void Recipe_R2_slerp_t_per_filter_over_28_layers()
    {
        var t = ParameterSetting.Filtered(
        [
            new FilterRule("self_attn", ParameterSetting.Gradient([0, 0.5, 0.3, 0.7, 1])),
            new FilterRule("mlp", ParameterSetting.Gradient([1, 0.5, 0.7, 0.3, 0])),
            new FilterRule(null, ParameterSetting.Of(0.5)),
        ], ordered: true);
        var positions = new LayerPositions(28);
        int[] layers = [0, 7, 13, 14, 27];
        double[] attention = [0, 0.492593, 0.314815, 0.329630, 1];
        double[] mlp = [1, 0.507407, 0.685185, 0.670370, 0];
        for (int i = 0; i < layers.Length; i++)
        {
            Assert.Equal(attention[i], At(t, Layer(layers[i], "self_attn.o_proj.weight"), positions), 1e-6);
            Assert.Equal(mlp[i], At(t, Layer(layers[i], "mlp.gate_proj.weight"), positions), 1e-6);
            Assert.Equal(0.5, At(t, Layer(layers[i], "post_attention_layernorm.weight"), positions), Tolerance);
        }
        Assert.Equal(0.5, At(t, "model.embed_tokens.weight", positions), Tolerance);
    }

    [Fact]
    public void Recipe_R3_per_model_density_and_weight_gradients_over_32_layers()
    {
        var positions = new LayerPositions(32);
        var mathDensity = ParameterSetting.Gradient([0.7, 0.3]);
        var codeWeight = ParameterSetting.Gradient([0.2, 0.6]);
        var medWeight = ParameterSetting.Filtered([new FilterRule("mlp", ParameterSetting.Of(0.8)), new FilterRule(null, ParameterSetting.Of(0.3))], ordered: true);

        Assert.Equal(0.493548, At(mathDensity, Layer(16), positions), 1e-6);
        Assert.Equal(0.406452, At(codeWeight, Layer(16), positions), 1e-6);
        Assert.Equal(0.264516, At(codeWeight, Layer(5), positions), 1e-6);
        Assert.Equal(0.8, At(medWeight, Layer(16, "mlp.up_proj.weight"), positions), Tolerance);
        Assert.Equal(0.3, At(medWeight, Layer(16), positions), Tolerance);
        Assert.Equal(0.7, At(mathDensity, "model.embed_tokens.weight", positions), Tolerance);
        Assert.Equal(0.2, At(codeWeight, "lm_head.weight", positions), Tolerance);
    }

    [Fact]
    public void Filters_are_case_sensitive_substrings_not_patterns()
    {
        var setting = ParameterSetting.Filtered([new FilterRule("MLP", ParameterSetting.Of(1)), new FilterRule("*", ParameterSetting.Of(0))], ordered: true);
        Assert.Equal(0, setting.Resolve(Layer(0, "mlp.up_proj.weight"), 0));
        var dotted = ParameterSetting.Filtered([new FilterRule("layers.1.", ParameterSetting.Of(1)), new FilterRule(null, ParameterSetting.Of(0))], ordered: true);
        Assert.Equal(1, dotted.Resolve(Layer(1), 1));
        Assert.Equal(0, dotted.Resolve(Layer(11), 1));
    }

    [Fact]
    public void An_unordered_setting_refuses_two_specific_filters_matching_one_tensor()
    {
        var setting = ParameterSetting.Filtered(
            [new FilterRule("mlp", ParameterSetting.Of(1)), new FilterRule("up_proj", ParameterSetting.Of(2)), new FilterRule(null, ParameterSetting.Of(3))], ordered: false);
        Assert.Equal(1, setting.Resolve(Layer(0, "mlp.down_proj.weight"), 0));
        Assert.Equal(3, setting.Resolve(Layer(0), 0));
        var error = Assert.Throws<PlanException>(() => setting.Resolve(Layer(0, "mlp.up_proj.weight"), 0));
        Assert.Equal(ParameterErrors.FilterAmbiguous, error.ErrorId);
    }

    [Fact]
    public void Negating_a_setting_negates_every_value_it_resolves_to()
    {
        var setting = ParameterSetting.Filtered([new FilterRule("mlp", ParameterSetting.Gradient([0, 1])), new FilterRule(null, ParameterSetting.Of(0.5))], ordered: true).Times(-1);
        Assert.Equal(-0.25, setting.Resolve(Layer(1, "mlp.up_proj.weight"), 0.25));
        Assert.Equal(-0.5, setting.Resolve("lm_head.weight", 0));
    }

    [Fact]
    public void A_per_layer_table_indexes_by_the_layer_number_and_gives_the_rest_its_mean()
    {
        var table = ParameterSetting.ByLayer([0.2, 0.4, 0.9]);
        Assert.Equal(0.4, table.Resolve(Layer(1), 0));
        Assert.Equal(0.9, table.Resolve("encoder.layer_2.attention.weight", 0));
        Assert.Equal(0.5, table.Resolve(Layer(7), 0)!.Value, Tolerance);       // past the last row
        Assert.Equal(0.5, table.Resolve("lm_head.weight", 0)!.Value, Tolerance);
    }

    [Fact]
    public void Layer_positions_come_from_the_highest_layer_index_named()
    {
        var positions = LayerPositions.Of(["model.embed_tokens.weight", Layer(0), Layer(3, "mlp.up_proj.weight"), "lm_head.weight"]);
        Assert.Equal(4, positions.LayerCount);
        Assert.Equal(1.0 / 3, positions.For(Layer(1)), Tolerance);
    }

    [Fact]
    public void Resolution_prefers_the_models_own_setting_then_the_merges_then_the_default()
    {
        var method = MergeMethods.Find("ties")!;
        var own = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase) { ["density"] = ParameterSetting.Of(0.3), ["weight"] = ParameterSetting.Of(2) };
        var none = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase) { ["weight"] = ParameterSetting.Of(1) };
        var merge = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase) { ["density"] = ParameterSetting.Of(0.6) };

        var resolved = ParameterResolution.Resolve(method, "model.norm.weight", [4], 0, ["a", "b"], ["model.norm.weight", "model.norm.weight"], [own, none], merge);

        Assert.Equal([0.3, 0.6], resolved.PerModel("density"));
        Assert.Equal([2.0, 1.0], resolved.PerModel("weight"));
        Assert.True(resolved.Flag("normalize"));   // ties' default (§2)
        Assert.Equal(1.0, resolved.Number("lambda"));
    }

    [Fact]
    public void A_required_parameter_without_a_value_is_an_error_naming_model_and_tensor()
    {
        var method = MergeMethods.Find("linear")!;
        var empty = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase);
        var error = Assert.Throws<PlanException>(() =>
            ParameterResolution.Resolve(method, "model.norm.weight", [4], 0, ["ft-code"], ["model.norm.weight"], [empty], empty));
        Assert.Equal(ParameterErrors.Missing, error.ErrorId);
        Assert.Contains("weight for ft-code.model.norm.weight", error.Message);
    }

    [Fact]
    public void A_boolean_parameter_cannot_be_a_gradient()
    {
        var method = MergeMethods.Find("ties")!;
        var settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase) { ["normalize"] = ParameterSetting.Gradient([0, 1]) };
        var error = Assert.Throws<PlanException>(() => ParameterResolution.Validate(method, settings, "ties"));
        Assert.Equal(ParameterErrors.Invalid, error.ErrorId);
    }
}
