import { describeStack } from "./stack-assertions";

describeStack("prod");
