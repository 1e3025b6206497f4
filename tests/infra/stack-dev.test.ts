import { describeStack } from "./stack-assertions";

describeStack("dev");
