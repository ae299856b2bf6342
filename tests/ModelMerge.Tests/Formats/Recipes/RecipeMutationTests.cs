using System.Diagnostics;
using ModelMerge.Formats.Recipes;
using ModelMerge.Fuzz.Mutation;

namespace ModelMerge.Tests.Formats.Recipes;

/// <summary>
/// Damaged recipes: thousands of seeded random edits of the example recipes (characters and
/// lines deleted, duplicated, swapped, YAML punctuation inserted). Whatever the result, reading
/// either succeeds or throws a <see cref="RecipeException"/>, and promptly. The edits are the
/// ones the recipe fuzz target (tests/ModelMerge.Fuzz) starts from; it adds YAML's sharp
/// edges, recipes drawn from the schema and costly shapes.
/// </summary>
public sealed class RecipeMutationTests
{
    public static TheoryData<int> Seeds => new() { 1, 2, 3, 4 };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Mutated_recipes_either_read_or_are_refused_with_a_recipe_exception(int seed)
    {
        var random = new Random(seed);
        var slowest = TimeSpan.Zero;
        int read = 0, refused = 0;
        for (int i = 0; i < 1000; i++)
        {
            string original = ExampleRecipes.All[random.Next(ExampleRecipes.All.Count)];
            string mutated = original;
            int edits = 1 + random.Next(4);
            for (int e = 0; e < edits; e++) mutated = RecipeTextMutator.Mutate(mutated, random);

            var stopwatch = Stopwatch.StartNew();
            try
            {
                MergeRecipe.Parse(mutated, "mutated.yml", strict: (i & 1) == 1);
                read++;
            }
            catch (RecipeException ex)
            {
                Assert.StartsWith("mutated.yml", ex.Message);
                Assert.False(string.IsNullOrWhiteSpace(ex.ErrorId));
                refused++;
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {seed}, case {i}: {ex.GetType().Name}: {ex.Message}\n--- input ---\n{mutated}");
            }
            if (stopwatch.Elapsed > slowest) slowest = stopwatch.Elapsed;
        }

        Assert.True(slowest < TimeSpan.FromSeconds(5), $"slowest parse took {slowest}");
        Assert.True(read > 0 && refused > 0, $"read {read}, refused {refused}: the mutations should produce both");
    }
}
