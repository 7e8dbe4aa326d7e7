package io.pqlscore.model;

import io.pqlscore.command.ExitCodes;
import io.pqlscore.command.ProjectVersion;
import io.pqlscore.command.Tool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pqlscore validate MODEL}: checks a scoring model without starting the job. */
@Command(name = "validate", header = "Check a scoring model without starting the job.",
        mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
        description = {"Checks a scoring model without starting the job: prints a one-line summary of a valid model,"
                + " or every problem, one line each, naming the file and the key.",
            "The job checks its model the same way when it starts, and refuses to start on a bad one."},
        exitCodeList = {"0:the model is valid", "1:the model is invalid (every problem on standard error)",
            "2:a bad command line"})
public final class ValidateCommand extends Tool {
    @Parameters(paramLabel = "MODEL", description = "the model: a YAML file, or classpath:/models/default.yaml (the shipped one)")
    String model;

    @Override
    public Integer call() {
        if (model.isBlank()) {
            throw usageError("MODEL is empty: give a file or classpath:/models/default.yaml");
        }
        try {
            stdout.println(ValidateModel.summary(ModelLoader.load(model)));
            return ExitCodes.OK;
        } catch (ModelValidationException e) {
            e.report().forEach(stderr::println);
            return ExitCodes.FAILED;
        } catch (RuntimeException | StackOverflowError e) {
            // not expected: ModelLoader turns every problem of a model into a ModelValidationException
            stderr.println(model + ": cannot check the model: " + ModelLoader.describe(e) + " (a bug: please report it with the model file)");
            stderr.println("model refused: 1 problem");
            return ExitCodes.FAILED;
        }
    }
}
